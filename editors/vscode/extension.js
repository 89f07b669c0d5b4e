// Starts `apprules lsp` for .rules files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("apprules").get("path") || "apprules";
  client = new LanguageClient(
    "apprules",
    "apprules",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "apprules" }] }
  );
  context.subscriptions.push(client);
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
