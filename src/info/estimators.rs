//! Entropy and mutual-information estimators for discrete data (annotation logs).
