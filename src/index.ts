// Public library surface: the wire and logic layers, re-exported for embedders.
export {};
