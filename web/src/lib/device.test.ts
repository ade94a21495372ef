import { describeDevice, deviceLabel } from "./device";

describe("describeDevice", () => {
  it("recognises a desktop browser", () => {
    const d = describeDevice("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    expect(d).toEqual({ browser: "Firefox 128", os: "Linux", type: "desktop" });
    expect(deviceLabel(d, "x")).toBe("Firefox 128 on Linux");
  });
  it("recognises a phone", () => {
    const d = describeDevice(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    );
    expect(d.type).toBe("mobile");
    expect(d.os).toBe("iOS 17.4");
  });
  it("calls scripts bots and copes with nothing", () => {
    expect(describeDevice("curl/8.5.0").type).toBe("bot");
    expect(describeDevice(null)).toEqual({ browser: null, os: null, type: "other" });
    expect(deviceLabel(describeDevice(null), null)).toBe("Unknown device");
  });
});
