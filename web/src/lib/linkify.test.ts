import { linkify } from "./linkify";

describe("linkify", () => {
  it("finds links and keeps the text around them", () => {
    expect(linkify("Verify: http://localhost:5173/verify-email?token=abc.def-1. Thanks")).toEqual([
      { kind: "text", text: "Verify: " },
      { kind: "link", href: "http://localhost:5173/verify-email?token=abc.def-1" },
      { kind: "text", text: ". Thanks" },
    ]);
  });
  it("handles several links and none", () => {
    expect(linkify("a https://x.test/1 b (https://x.test/2)").filter((p) => p.kind === "link")).toHaveLength(2);
    expect(linkify("no links")).toEqual([{ kind: "text", text: "no links" }]);
  });
  it("ignores non-http schemes", () => {
    expect(linkify("javascript:alert(1)")).toEqual([{ kind: "text", text: "javascript:alert(1)" }]);
  });
});
