/**
 * The dataset and model families the CLI ships with. Each file registers itself with
 * `registerDataset` / `registerModel` (see `registry.ts`); a new family (e.g. rotated MNIST on grids,
 * QM7 molecules) adds its file and one import line here. New commands register with
 * `registerCommand` (see `command.ts`) and are imported from `main.ts`.
 */
import "./graph_datasets.js";
import "./graph_models.js";
import "./grid_models.js";
import "./molecules.js";
import "./mesh_datasets.js";
import "./mesh_models.js";
import "./spheres.js";
import "./sbm_datasets.js";
import "./blueprint_models.js";
