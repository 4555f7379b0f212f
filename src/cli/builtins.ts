/** The dataset and model families the CLI ships with (each file registers itself). */
import "./graph_datasets.js";
import "./graph_models.js";
import "./grid_models.js";
import "./molecules.js";
