// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
import { defineTopology } from "./topology";

const outputs = defineTopology();
export const url = outputs.url;
export const plannerUrl = outputs.planner;
export const researcherUrl = outputs.researcher;
