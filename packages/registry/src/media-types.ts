/**
 * Media types of the Docker v2 schema 2 and OCI image formats.
 * https://github.com/opencontainers/image-spec/blob/main/media-types.md
 * https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md
 */

/** Docker v2 schema 2 image manifest. */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** Docker manifest list (multi-platform). */
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Docker image configuration. */
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Docker gzip layer. */
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Docker foreign (non-distributable) layer, e.g. Windows base layers served from elsewhere. */
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
/** OCI image manifest. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image index (multi-platform). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** OCI image configuration. */
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** OCI gzip layer. */
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** OCI zstd layer. */
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** Legacy signed schema 1 manifests: refused, as ECR and current registries no longer accept them. */
export const DOCKER_SCHEMA1 = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

/** Every manifest type Slipway reads and pushes, for the Accept header. */
export const MANIFEST_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST] as const;

/** True for a manifest list or OCI index. */
export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** True for a single-image manifest. */
export function isImageManifestType(mediaType: string | undefined): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** True for layers that must not be pushed (their `urls` point elsewhere). */
export function isForeignLayer(mediaType: string | undefined): boolean {
  return (
    mediaType === DOCKER_FOREIGN_LAYER ||
    (mediaType?.startsWith('application/vnd.oci.image.layer.nondistributable.') ?? false)
  );
}
