/** Ids for rows a benchmark writes straight into weft's database. */
import { randomFillSync } from "node:crypto"

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
const randomPool = new Uint8Array(16 * 4096)
let randomAt = randomPool.length

/**
 * A lowercase ULID for time `t`: 10 time characters, 16 random ones. Written here rather
 * than taken from the `ulid` package because that one draws one random byte per
 * character (~45 µs an id), which would dominate seeding a million rows.
 */
export const fastUlid = (t: number): string => {
  let out = ""
  let time = t
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32] + out
    time = Math.floor(time / 32)
  }
  if (randomAt + 16 > randomPool.length) {
    randomFillSync(randomPool)
    randomAt = 0
  }
  for (let i = 0; i < 16; i++) out += CROCKFORD[randomPool[randomAt++] & 31]
  return out
}
