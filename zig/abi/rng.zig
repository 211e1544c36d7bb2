//! Exports of the rng kernel family (placeholder until written).
