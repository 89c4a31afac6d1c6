/** Svelte action: shows `stream` in a <video> (srcObject cannot be set from markup). */
export function srcObject(node: HTMLVideoElement, stream: MediaStream | undefined): { update(next: MediaStream | undefined): void; destroy(): void } {
  node.srcObject = stream ?? null;
  return {
    update(next) {
      node.srcObject = next ?? null;
    },
    destroy() {
      node.srcObject = null;
    },
  };
}
