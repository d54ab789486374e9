// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
import * as pulumi from "@pulumi/pulumi";
import { defineTopology } from "./topology";

const platform = new pulumi.Config("pmcp").get("platform") === "ecs" ? "ecs" : "eks";
const outputs = defineTopology(platform);
export const url = outputs.url;
export const serviceUrl = outputs.service;
