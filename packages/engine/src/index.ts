export * as Interpreter from "./Interpreter.js"
export * as TaskError from "./TaskError.js"
