/**
 * Reading Server-Sent Events off a `node:http` response with as little work as possible
 * (the benchmarks' clients must not be what they measure): the body is split into
 * frames on blank lines, and each frame is handed over with the time its chunk arrived.
 */
import type * as http from "node:http"

export const onFrames = (res: http.IncomingMessage, onFrame: (frame: string, arrivedAt: number) => void): void => {
  res.setEncoding("utf8")
  let buffer = ""
  res.on("data", (chunk: string) => {
    const now = performance.now()
    buffer += chunk
    let end: number
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      onFrame(frame, now)
    }
  })
}
