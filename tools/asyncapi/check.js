// Parses an AsyncAPI document with the official parser (@asyncapi/parser, pinned in
// package.json) and prints, as one JSON object, its diagnostics and what it found in the
// document: tests/static/test_asyncapi.py reads it. Usage: node check.js DOCUMENT
'use strict';

const { Parser, fromFile } = require('@asyncapi/parser');

function describeMessage(message) {
  const payload = message.payload();
  const type = payload && payload.properties() ? payload.properties().type : undefined;
  const kafka = message.bindings().get('kafka');
  return {
    id: message.id(),
    name: message.name(),
    contentType: message.contentType() ?? null,
    schemaFormat: message.schemaFormat() ?? null,
    payloadTitle: payload ? payload.title() ?? null : null,
    payloadType: type ? (type.const() !== undefined ? [type.const()] : type.enum()) : null,
    headers: message.hasHeaders() ? Object.keys(message.headers().properties() || {}) : [],
    kafkaKey: kafka && kafka.value().key ? kafka.value().key.type : null,
  };
}

async function main() {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, process.argv[2]).parse();
  const report = {
    diagnostics: diagnostics.map((d) => ({
      severity: d.severity, // 0 error, 1 warning, 2 information, 3 hint
      code: String(d.code),
      message: d.message,
      path: d.path.join('/'),
    })),
    channels: {},
    operations: {},
  };
  if (document) {
    for (const channel of document.channels()) {
      report.channels[channel.id()] = {
        address: channel.address(),
        messages: channel.messages().all().map(describeMessage),
      };
    }
    for (const operation of document.operations()) {
      report.operations[operation.id()] = {
        action: operation.action(),
        channels: operation.channels().all().map((channel) => channel.id()),
        messages: operation.messages().all().map((message) => message.id()),
      };
    }
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(2);
});
