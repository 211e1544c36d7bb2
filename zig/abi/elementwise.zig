//! Exports of the elementwise kernel family (placeholder until written).
