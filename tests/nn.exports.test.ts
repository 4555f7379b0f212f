import { describe, expect, it } from "vitest";
import * as E from "../src/index.js";
import * as N from "../src/node/index.js";

describe("package entry points", () => {
  it("exports nn classes flat, F and init namespaces, optim, io; node helpers from erlangen/node", () => {
    expect(typeof E.Linear).toBe("function");
    expect(typeof E.Module).toBe("function");
    expect(typeof E.CrossEntropyLoss).toBe("function");
    expect(typeof E.F.crossEntropy).toBe("function");
    expect(typeof E.F.linear).toBe("function");
    expect(typeof E.F.relu).toBe("function");
    expect(typeof E.init.kaimingUniform).toBe("function");
    expect(typeof E.Adam).toBe("function");
    expect(typeof E.ReduceLROnPlateau).toBe("function");
    expect(typeof E.saveSafetensors).toBe("function");
    expect(typeof N.saveFile).toBe("function");
    const lin = new E.Linear(2, 1);
    expect(E.F.mseLoss(lin.forward(E.tensor([[1, 2]])), E.tensor([[0]])).ndim).toBe(0);
  });
});
