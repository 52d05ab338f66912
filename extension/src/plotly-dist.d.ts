// The partial bundle exports the same API as full plotly.js (heatmap and scatter traces only).
declare module "plotly.js-cartesian-dist-min" {
  import * as Plotly from "plotly.js";
  export = Plotly;
}
