// Validates GitHub Actions workflow files with GitHub's own workflow language service
// (@actions/languageservice, the validator of the GitHub Actions VS Code extension), offline:
// no repository context is given, so it checks the workflow schema, expressions and GitHub's
// own rules. It catches what actionlint misses, e.g. a job naming the concurrency group its
// own workflow holds, which GitHub cancels as a deadlock (actions/languageservices#237,
// rhysd/actionlint#538).
//
// Usage: node validate.mjs FILE...   Exit 1 when any file has a diagnostic (each printed as
// FILE:LINE:COL: MESSAGE), 2 on a usage error.
import { validate } from "@actions/languageservice";
import fs from "node:fs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE...");
  process.exit(2);
}
let found = 0;
for (const file of files) {
  const text = fs.readFileSync(file, "utf8");
  const doc = {
    uri: "file://" + file,
    languageId: "yaml",
    version: 1,
    getText: () => text,
    lineCount: text.split("\n").length,
  };
  for (const d of await validate(doc, undefined)) {
    found += 1;
    console.log(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
  }
}
console.log(`GitHub language service: ${files.length} file(s), ${found} diagnostic(s)`);
process.exit(found === 0 ? 0 : 1);
