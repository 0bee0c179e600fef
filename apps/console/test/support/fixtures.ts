/** Workflows the browser tests and the screenshots use: valid documents of the contract. */
const document = (name: string) => ({ dsl: "1.0.0", namespace: "acme", name, version: "1.0.0" })
const set = (name: string, variables: Record<string, unknown>, flow?: { then: string }) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_SET",
  taskConfig: { variables },
  ...(flow === undefined ? {} : { flow })
})

/** Every kind of nesting the graph draws: SWITCH jumps, FOR, FORK, LISTEN, TRY, an early end. */
export const fulfilment = {
  metadata: { name: "Order fulfilment", org: "acme", ownerScope: "organization", labels: { team: "shop" } },
  spec: {
    description: "Checks an order, reserves its items, tells the customer, waits for approval and ships.",
    document: document("order-fulfilment"),
    tasks: [
      set("validate", { order: "${ $input.order }", express: "${ $input.express == \"yes\" }" }),
      {
        name: "route",
        kind: "WORKFLOW_TASK_KIND_SWITCH",
        taskConfig: { cases: [{ name: "express", when: "${ .express }", then: "ship" }] }
      },
      {
        name: "reserve",
        kind: "WORKFLOW_TASK_KIND_FOR",
        taskConfig: { in: "${ [\"book\", \"lamp\", \"mug\"] }", each: "item", do: [set("hold", { held: "${ $item }" })] }
      },
      {
        name: "notify",
        kind: "WORKFLOW_TASK_KIND_FORK",
        taskConfig: {
          branches: [
            { name: "email", do: [set("send-email", { email: true })] },
            { name: "sms", do: [set("send-sms", { sms: true })] }
          ]
        }
      },
      {
        name: "approve",
        kind: "WORKFLOW_TASK_KIND_LISTEN",
        taskConfig: { to: { mode: "one", signals: [{ id: "approval" }] } }
      },
      {
        name: "ship",
        kind: "WORKFLOW_TASK_KIND_TRY",
        taskConfig: {
          try: [{
            name: "label",
            kind: "WORKFLOW_TASK_KIND_HTTP_CALL",
            taskConfig: { method: "POST", endpoint: { uri: "http://127.0.0.1:9/labels" } }
          }],
          catch: { do: [set("manual-label", { manual: true })] }
        }
      },
      set("done", { shipped: true }, { then: "end" })
    ]
  }
}

/** One SET: runs to COMPLETED at once on an engine. */
export const greeting = {
  metadata: { name: "Greeting", org: "acme", ownerScope: "organization" },
  spec: {
    document: document("greeting"),
    tasks: [set("greet", { greeting: "${ \"Hello, \" + $input.name }" })]
  }
}

/** Waits `seconds` (a durable timer), then sets a value. */
export const pause = (seconds: number) => ({
  metadata: { name: `Pause ${seconds}s`, org: "acme", ownerScope: "organization" },
  spec: {
    document: document(`pause-${seconds}`),
    tasks: [
      { name: "nap", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds } },
      set("after-nap", { rested: true })
    ]
  }
})

/** Waits for the signal `go`, then echoes its data. */
export const approval = {
  metadata: { name: "Approval", org: "acme", ownerScope: "organization" },
  spec: {
    document: document("approval"),
    tasks: [
      { name: "wait-for-go", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "go" }] } } },
      set("after", { approved: true })
    ]
  }
}

export const run = (workflowId: string, input: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  metadata: { ownerScope: "organization", org: "acme", ...extra },
  spec: { workflowId, triggerMetadata: input }
})

const at = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString()

/** The task entries an engine would report for `fulfilment` up to the LISTEN, `base` its start. */
export const fulfilmentProgress = (base: number) => ({
  phase: "EXECUTION_IN_PROGRESS",
  startedAt: at(base, 0),
  tasks: [
    { taskId: "validate", taskName: "validate", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 0), completedAt: at(base, 0.2), input: { order: "A-1042", express: "no" }, output: { order: "A-1042", express: false } },
    { taskId: "route", taskName: "route", taskType: "WORKFLOW_TASK_CONDITIONAL", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 0.2), completedAt: at(base, 0.3), input: { order: "A-1042", express: false }, output: { order: "A-1042", express: false } },
    { taskId: "reserve", taskName: "reserve", taskType: "WORKFLOW_TASK_CUSTOM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 0.3), completedAt: at(base, 2.4), output: { value: [{ held: "book" }, { held: "lamp" }, { held: "mug" }] } },
    { taskId: "reserve/0/hold", taskName: "hold", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 0.3), completedAt: at(base, 0.9), output: { held: "book" } },
    { taskId: "reserve/1/hold", taskName: "hold", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 0.9), completedAt: at(base, 1.7), output: { held: "lamp" } },
    { taskId: "reserve/2/hold", taskName: "hold", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 1.7), completedAt: at(base, 2.4), output: { held: "mug" } },
    { taskId: "notify", taskName: "notify", taskType: "WORKFLOW_TASK_PARALLEL", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 2.4), completedAt: at(base, 3.6), output: { email: { email: true }, sms: { sms: true } } },
    { taskId: "notify/email/send-email", taskName: "send-email", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 2.4), completedAt: at(base, 3.6), output: { email: true } },
    { taskId: "notify/sms/send-sms", taskName: "send-sms", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_COMPLETED", startedAt: at(base, 2.4), completedAt: at(base, 2.9), output: { sms: true } },
    { taskId: "approve", taskName: "approve", taskType: "WORKFLOW_TASK_APPROVAL", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: at(base, 3.6), input: { email: { email: true }, sms: { sms: true } } },
    { taskId: "ship", taskName: "ship", taskType: "WORKFLOW_TASK_CUSTOM", status: "WORKFLOW_TASK_PENDING" },
    { taskId: "done", taskName: "done", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_PENDING" }
  ]
})
