// Tokenizes rule files with the extension's TextMate grammar (vscode-textmate, the
// engine VS Code uses): every line must end outside any begin/end region, and the
// declarations, comments and strings must get their scopes.
// Run: npm install && node test/tokenize.js FILE.rules ...
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm")).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (p) => new oniguruma.OnigScanner(p),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async () =>
    vsctm.parseRawGrammar(
      fs.readFileSync(path.join(__dirname, "..", "syntaxes", "apprules.tmLanguage.json"), "utf8"),
      "apprules.tmLanguage.json"
    ),
});

(async () => {
  const grammar = await registry.loadGrammar("source.apprules");
  let failures = 0;
  const files = process.argv.slice(2);
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let stack = vsctm.INITIAL;
    const seen = new Set();
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) for (const s of t.scopes) seen.add(s.split(".")[0]);
      stack = r.ruleStack;
      if (stack.depth > 1) {
        console.error(`${file}:${i + 1}: the line ends inside a region`);
        failures++;
        stack = vsctm.INITIAL;
      }
    });
    for (const scope of ["comment", "string", "keyword", "entity"]) {
      if (!seen.has(scope)) {
        console.error(`${file}: no ${scope} token`);
        failures++;
      }
    }
    console.log(`${file}: ${lines.length} lines tokenized`);
  }
  if (failures > 0 || files.length === 0) process.exit(1);
})();
