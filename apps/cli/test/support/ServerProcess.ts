// The same real-server-process helper the client's tests use.
export * from "../../../../packages/client/test/support/ServerProcess.js"
