//! Exports of the reduce kernel family (placeholder until written).
