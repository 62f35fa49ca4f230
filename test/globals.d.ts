// Test-only typing: let tests read response JSON without a cast at every call site.
export {};

declare global {
  interface Response {
    json(): Promise<any>;
  }
}
