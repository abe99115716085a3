// Op runners registered as ops are implemented.
export {};
