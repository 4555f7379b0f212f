/**
 * `erlangen/nn`: the building blocks every domain shares (like `torch.nn`): Module, Parameter,
 * Linear, MLP, activations, normalisation, dropout, recurrent cells, embeddings and losses, with the
 * functional forms under `F` and the initialisers under `init`.
 */
import "../tensor/index.js";

export * as F from "../nn/functional.js";
export * from "../nn/index.js";
export * as init from "../nn/init.js";
