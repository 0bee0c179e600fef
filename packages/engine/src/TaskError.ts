/**
 * The error of a task, in the shape of the Serverless Workflow DSL: `{type, status, title,
 * detail}`. It is what a TRY's catch binds to `$error`, what activities journal when they
 * fail, and what the run reports as the string `"<type>: <detail>"`.
 */
import { Schema } from "effect"

/** The error types the engine raises itself; RAISE may name any other. */
export type BuiltinType =
  | "expression"
  | "http"
  | "timeout"
  | "limit"
  | "unsupported"
  | "activity"
  | "validation"
  | "cancelled"
  | "run"

export class TaskError extends Schema.TaggedError<TaskError>("@weft/engine/TaskError")("TaskError", {
  type: Schema.String,
  status: Schema.optional(Schema.Number),
  title: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.type}: ${this.detail}`
  }

  /** The error as a plain DSL error object, what `$error` holds in a catch. */
  toObject(): { type: string; status?: number; title: string; detail: string } {
    return this.status === undefined
      ? { type: this.type, title: this.title, detail: this.detail }
      : { type: this.type, status: this.status, title: this.title, detail: this.detail }
  }
}

/** A TaskError of one of the engine's own types, with its title derived from the type. */
export const make = (
  type: BuiltinType,
  detail: string,
  options?: { readonly status?: number; readonly title?: string }
): TaskError =>
  new TaskError({ type, detail, status: options?.status, title: options?.title ?? titles[type] })

const titles: Record<BuiltinType, string> = {
  expression: "Expression failed",
  http: "HTTP call failed",
  timeout: "Timed out",
  limit: "Step limit exceeded",
  unsupported: "Not supported",
  activity: "Activity failed",
  validation: "Invalid task",
  cancelled: "Cancelled",
  run: "Child run failed"
}

/** `"<type>: <detail>"`, the form of a task's `error` and of the run's `status.error`. */
export const format = (error: TaskError): string => `${error.type}: ${error.detail}`
