export * as Pipeline from "./Pipeline.js"
export * as Steps from "./Steps.js"
export * as Operations from "./Operations.js"
