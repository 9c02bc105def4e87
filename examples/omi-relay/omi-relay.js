#!/usr/bin/env node
// The Omi relay simulator (README.md beside this file); built with `npm run build`.
const { main } = require('../../services/edge-ingest/dist/relay/relay-cli.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`omi-relay: ${error.message}\n`);
    process.exit(2);
  },
);
