import { describe, expect, it } from "vitest"
import { scramClientFinal } from "./CopyConnection.ts"

describe("CopyConnection", () => {
  it("computes the SCRAM-SHA-256 proof of RFC 7677's example", () => {
    // RFC 7677 §3: user "user", password "pencil".
    expect(
      scramClientFinal(
        "pencil",
        { clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO", nonce: "rOprNGfwEbeRWgbNEkqO" },
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      ),
    ).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    )
  })

  it("refuses a server nonce that does not extend the client's", () => {
    expect(() =>
      scramClientFinal("pw", { clientFirstBare: "n=,r=abc", nonce: "abc" }, "r=xyz,s=AAAA,i=1"),
    ).toThrow("SCRAM: bad server nonce")
  })
})
