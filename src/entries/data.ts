/** `erlangen/data`: datasets (browser-safe readers of shipped and users' files), transforms and the DataLoader. */
import "../tensor/index.js";

export * from "../data/index.js";
