import { describe, expect, it } from "vitest"
import * as Runs from "./Runs.ts"

const retry = { id: ["langchain_core", "runnables", "RunnableRetry"] }
const fallbacks = { id: ["langchain_core", "runnables", "RunnableWithFallbacks"] }
const sequence = { id: ["langchain_core", "runnables", "RunnableSequence"] }

describe("Runs", () => {
  it("a parent the handler never saw makes the run a root of its own", () => {
    const tree = new Runs.RunTree()
    const model = tree.start("m", "unknown-parent", "model")
    expect(Runs.isRoot(model)).toBe(true)
    expect(model.parent).toBeUndefined()
  })

  it("retry and fallback runs are boundaries, other runnables are not", () => {
    expect([retry, fallbacks, sequence, undefined].map(Runs.isBoundary)).toEqual([
      true,
      true,
      false,
      false,
    ])
  })

  it("operation scope: the nearest boundary above the call, else its parent", () => {
    const tree = new Runs.RunTree()
    tree.start("agent", undefined, "chain")
    tree.start("retry", "agent", "chain", true)
    tree.start("sequence", "retry", "chain")
    const inRetry = tree.start("m1", "sequence", "model")
    expect(Runs.operationScope(inRetry).id).toBe("retry")
    tree.start("node", "agent", "chain")
    const inNode = tree.start("m2", "node", "model")
    expect(Runs.operationScope(inNode).id).toBe("node")
  })

  it("pending events: an agent used as a tool counts only its own tools; the outer loop counts the rest", () => {
    // outer graph ─ tools node ─┬─ research tool ─ inner graph ─┬─ lookup tool
    //                           │                               └─ inner model call
    //                           └─ weather tool (in parallel)
    const tree = new Runs.RunTree()
    tree.start("outer", undefined, "chain")
    tree.start("tools", "outer", "chain")
    const research = tree.start("research", "tools", "tool")
    const weather = tree.start("weather", "tools", "tool")
    tree.start("inner", "research", "chain")
    const lookup = tree.start("lookup", "inner", "tool")
    const root = research.root
    root.pending.push(
      { run: research, unit: "tool_calls" },
      { run: weather, unit: "tool_calls" },
      { run: lookup, unit: "tool_calls" },
    )

    const innerCall = tree.start("inner-model", "inner", "model")
    expect(Runs.takePending(innerCall).map((e) => e.run.id)).toEqual(["lookup"])

    tree.start("model-node", "outer", "chain")
    const outerCall = tree.start("outer-model", "model-node", "model")
    expect(Runs.takePending(outerCall).map((e) => e.run.id)).toEqual(["research", "weather"])
    expect(root.pending).toEqual([])
  })

  it("counts events by unit and puts back what a call did not book", () => {
    const tree = new Runs.RunTree()
    const chain = tree.start("c", undefined, "chain")
    const events: Array<Runs.PendingEvent> = [
      { run: tree.start("t1", "c", "tool"), unit: "tool_calls" },
      { run: tree.start("r1", "c", "retriever"), unit: "rag_queries" },
      { run: tree.start("t2", "c", "tool"), unit: "tool_calls" },
    ]
    expect(Runs.countEvents(events)).toEqual({ tool_calls: 2, rag_queries: 1 })
    Runs.restorePending(chain.root, events)
    expect(chain.root.pending).toHaveLength(3)
  })
})
