import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as ecr from "@pulumi/aws/ecr";
import { getAuthorizationTokenOutput } from "@pulumi/aws/ecr/getAuthorizationToken";
import * as dockerBuild from "@pulumi/docker-build";
import { physicalName, standardTags } from "../naming";
import { type Transform, applyTransform } from "../transform";
import { imageTag } from "./digest";

export interface ContainerImageArgs {
  /** Directory with the Dockerfile and everything it copies. */
  context: string;
  /** Dockerfile path relative to the context. @default "Dockerfile" */
  dockerfile?: string;
  /** Build arguments, such as the base image. */
  buildArgs?: Record<string, pulumi.Input<string>>;
  /** @default "linux/amd64" */
  platform?: "linux/amd64" | "linux/arm64";
  /** Images kept in the repository besides those in use. @default 20 */
  keepImages?: number;
  /** Who owns it, for tags. */
  component: string;
  transform?: { repository?: Transform<ecr.RepositoryArgs>; image?: Transform<dockerBuild.ImageArgs> };
}

/**
 * An ECR repository (scan on push, immutable tags, encrypted, old images expired) and the image
 * built from a context and pushed to it during `pulumi up`.
 */
export class ContainerImage extends pulumi.ComponentResource {
  readonly repositoryUrl: pulumi.Output<string>;
  /** `<repository>@sha256:...`: what workloads run, so a rebuild is a rollout. */
  readonly imageRef: pulumi.Output<string>;
  /** A hash of everything that changes the image (context, Dockerfile, platform, build args). */
  readonly tag: pulumi.Output<string>;

  constructor(name: string, args: ContainerImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("agentyard:infra:ContainerImage", name, {}, opts);
    const child = { parent: this };
    const repository = new ecr.Repository(
      ...applyTransform(
        args.transform?.repository,
        `${name}-repository`,
        {
          name: physicalName("ecrRepository", [name]),
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS" }],
          forceDelete: false,
          tags: standardTags(args.component),
        },
        child,
      ),
    );
    new ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: repository.name,
        policy: JSON.stringify({
          rules: [
            { rulePriority: 1, description: "untagged layers after a day", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }, action: { type: "expire" } },
            { rulePriority: 2, description: "keep the newest images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keepImages ?? 20 }, action: { type: "expire" } },
          ],
        }),
      },
      child,
    );
    const auth = getAuthorizationTokenOutput({ registryId: repository.registryId }, child);
    const platform = args.platform ?? "linux/amd64";
    this.tag = pulumi
      .output(args.buildArgs ?? {})
      .apply((buildArgs) => imageTag({ context: args.context, dockerfile: args.dockerfile, platform, buildArgs }));
    // Pulumi runs the program in the project's folder, and docker-build resolves a relative
    // context from there at `pulumi up`: relative, the input holds no machine path, so two
    // checkouts (a pull request's base and head, a laptop and CI) plan the same bytes.
    const context = path.relative(process.cwd(), path.resolve(args.context)) || ".";
    const image = new dockerBuild.Image(
      ...applyTransform(
        args.transform?.image,
        `${name}-image`,
        {
          context: { location: context },
          dockerfile: { location: path.join(context, args.dockerfile ?? "Dockerfile") },
          buildArgs: args.buildArgs,
          platforms: [platform],
          push: true,
          tags: [pulumi.interpolate`${repository.repositoryUrl}:${this.tag}`],
          registries: [{ address: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }],
          // A preview shows the image it would build without building it.
          buildOnPreview: false,
        },
        child,
      ),
    );
    this.repositoryUrl = repository.repositoryUrl;
    this.imageRef = pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
