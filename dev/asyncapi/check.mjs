// Validates AsyncAPI documents with the official parser: every file named on the command line
// must parse with no error-level diagnostics. Exit code 1 otherwise, with each error printed.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"));
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (errors.length || !document) {
    failed = true;
    console.error(`${path}: ${errors.length} error(s)`);
    for (const e of errors) console.error(`  ${e.code}: ${e.message} at ${e.path.join("/")}`);
    continue;
  }
  const payloads = document.messages().all().filter((m) => m.hasPayload());
  console.log(`${path}: valid, ${document.messages().all().length} messages, ${payloads.length} with a payload`);
}
process.exit(failed ? 1 : 0);
