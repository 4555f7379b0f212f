/**
 * `erlangen/grids`: layers on regular grids [N, C, *spatial]: convolutions, pooling, batch/group
 * normalisation and upsampling. (The functional ops, `conv2d`, `maxPool2d`, … are tensor ops at the
 * package root.)
 */
import "../tensor/index.js";

export * from "../layers/grids/index.js";
