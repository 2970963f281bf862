// Serve one of this machine's browsers over Playwright's remote protocol.
//
// `playwright run-server` ignores the executablePath a client sends, so the browsers
// harness/browsers.py finds (Debian's, or Playwright's own) are launched here, on the
// server side, through the driver's launchServer. Run with the Node that ships inside the
// Playwright Python package: node server.js PLAYWRIGHT_CORE_DIR OPTIONS_JSON
// OPTIONS_JSON: {"browser": "chromium"|"firefox"|"webkit", "launch": {launchServer options}}
// Prints one JSON line {"wsEndpoint", "version"} once listening; closes on SIGTERM/SIGINT.
'use strict';

const [, , core, json] = process.argv;
const playwright = require(core);
const options = JSON.parse(json);

async function main() {
  const server = await playwright[options.browser].launchServer(options.launch);
  const version = process.env.PW_VERSION_OVERRIDE || require(`${core}/package.json`).version;
  process.stdout.write(JSON.stringify({ wsEndpoint: server.wsEndpoint(), version }) + '\n');
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent that started us went away: do not leave a browser behind.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
