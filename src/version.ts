/** The library's version (kept equal to `version` in package.json; tests/model_file.test.ts checks it). */
export const VERSION = "0.1.0";
