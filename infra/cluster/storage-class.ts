import type * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/kubernetes/storage/v1";

/** The cluster's default StorageClass: what a claim without a class gets, and what the stack's claims name. */
export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

/**
 * An encrypted gp3 class made the cluster default. Since Kubernetes 1.30, "Amazon EKS no longer
 * includes the default annotation on the gp2 StorageClass resource applied to newly created
 * clusters" (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-extended.html,
 * Kubernetes 1.30), so a claim with no class stays Pending for ever on a new cluster.
 *
 * Parameters are the EBS CSI driver's (https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md):
 * `type: gp3`, `encrypted: "true"` with no `kmsKeyId`, so EBS uses the account's aws/ebs key (a
 * customer key would need kms:CreateGrant on the driver's role, which AmazonEBSCSIDriverPolicy
 * lacks). WaitForFirstConsumer creates the volume in the zone the pod is scheduled to (an EBS
 * volume is zonal); expansion on, so a full Prometheus volume can grow in place.
 * StorageClass parameters are immutable: a change replaces the class, deleted first since its
 * name is fixed (claims keep their volumes).
 */
export function defaultStorageClass(name: string, opts: pulumi.CustomResourceOptions): storage.StorageClass {
  return new storage.StorageClass(
    name,
    {
      metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: "Delete",
    },
    { ...opts, deleteBeforeReplace: true },
  );
}
