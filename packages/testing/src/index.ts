/**
 * Test support shared by every package whose tests need a real weft server process
 * (the server's own process-level suites, the client, the CLI, the console's browser
 * tests). Private: never published, never imported from `src` of another package.
 */
export * as ServerProcess from "./ServerProcess.js"
