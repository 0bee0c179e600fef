/**
 * Label selectors as the API takes them (`k=v`, `k!=v`, `k`, `!k`; a comma is "and"),
 * parsed and matched here to filter lists on servers that do not filter by labels.
 */
export type Requirement =
  | { readonly op: "eq"; readonly key: string; readonly value: string }
  | { readonly op: "neq"; readonly key: string; readonly value: string }
  | { readonly op: "exists"; readonly key: string }
  | { readonly op: "absent"; readonly key: string }

const key = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/
const value = /^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/

/** The requirements of a selector, or an error message naming the bad part. */
export const parseSelector = (selector: string): ReadonlyArray<Requirement> | string => {
  const out: Array<Requirement> = []
  if (selector.trim() === "") return out
  for (const raw of selector.split(",")) {
    const part = raw.trim()
    let requirement: Requirement
    const ne = part.indexOf("!=")
    const eq = part.indexOf("=")
    if (ne >= 0 && ne < eq) {
      requirement = { op: "neq", key: part.slice(0, ne).trim(), value: part.slice(ne + 2).trim() }
    } else if (eq >= 0) {
      const rest = part.slice(eq + 1)
      requirement = { op: "eq", key: part.slice(0, eq).trim(), value: (rest.startsWith("=") ? rest.slice(1) : rest).trim() }
    } else if (part.startsWith("!")) {
      requirement = { op: "absent", key: part.slice(1).trim() }
    } else {
      requirement = { op: "exists", key: part }
    }
    if (!key.test(requirement.key)) return `"${part}": a label key is letters, digits, '.', '_', '-', '/'`
    if ((requirement.op === "eq" || requirement.op === "neq") && !value.test(requirement.value)) {
      return `"${part}": a label value is letters, digits, '.', '_', '-'`
    }
    out.push(requirement)
  }
  return out
}

export const matches = (requirements: ReadonlyArray<Requirement>, labels: Readonly<Record<string, string>> | undefined) =>
  requirements.every((r) => {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key)
    switch (r.op) {
      case "eq":
        return has && labels![r.key] === r.value
      case "neq":
        return !has || labels![r.key] !== r.value
      case "exists":
        return has
      case "absent":
        return !has
    }
  })
