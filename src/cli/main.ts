/** The `erlangen` command line (Node only). */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    console.log("usage: erlangen <command> [options]\n\ncommands:\n  train   train a model on a shipped dataset");
    return 0;
  }
  console.error(`erlangen: unknown command '${argv[0]}'`);
  return 2;
}
