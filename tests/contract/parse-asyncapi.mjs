// Parses each AsyncAPI document named on the command line with the
// official parser (@asyncapi/parser) and prints every diagnostic it gives.
// Exits 1 when any document has an error or a warning, or does not parse.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const parser = new Parser();
const severity = Object.fromEntries(Object.entries(DiagnosticSeverity).map(([name, n]) => [n, name]));
let failed = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(file, 'utf8'), { source: file });
  const serious = diagnostics.filter(
    (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
  );
  for (const d of diagnostics) {
    console.log(`${file}: ${severity[d.severity] ?? d.severity} ${d.code} at ${d.path.join('.')}: ${d.message}`);
  }
  if (document === undefined || serious.length > 0) {
    failed += 1;
    console.log(`${file}: invalid (${serious.length} errors or warnings)`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ${document.operations().length} operations, ${document.messages().length} messages`);
  }
}
process.exit(failed === 0 ? 0 : 1);
