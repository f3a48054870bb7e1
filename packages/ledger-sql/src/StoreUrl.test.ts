import { describe, expect, it } from "vitest"
import * as StoreUrl from "./StoreUrl.ts"

describe("StoreUrl.parse", () => {
  it("reads pglite directories and memory", () => {
    expect(StoreUrl.parse("pglite:./.agentcost")).toEqual({ driver: "pglite", dir: "./.agentcost" })
    expect(StoreUrl.parse("pglite:/var/lib/agentcost")).toEqual({
      driver: "pglite",
      dir: "/var/lib/agentcost",
    })
    expect(StoreUrl.parse("pglite:memory")).toEqual({ driver: "pglite", dir: undefined })
  })

  it("reads postgres URLs and takes the schema parameter out", () => {
    expect(StoreUrl.parse("postgres://postgres@127.0.0.1:5432/test")).toEqual({
      driver: "postgres",
      url: "postgres://postgres@127.0.0.1:5432/test",
      schema: undefined,
    })
    expect(
      StoreUrl.parse("postgresql://app:secret@db:5432/prod?schema=billing&sslmode=require"),
    ).toEqual({
      driver: "postgres",
      url: "postgresql://app:secret@db:5432/prod?sslmode=require",
      schema: "billing",
    })
  })

  it("names what is wrong with other URLs", () => {
    expect(() => StoreUrl.parse("pglite:")).toThrow(/names no directory/)
    expect(() => StoreUrl.parse("mysql://x")).toThrow(
      /"mysql:\/\/x" is not a SQL store URL: use pglite:\.\/DIR, pglite:memory or postgres:/,
    )
  })
})
