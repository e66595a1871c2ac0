"""Pure billing calculations: standard library only, plain values in, plain values out."""
