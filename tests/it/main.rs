//! Integration tests: a real server on a real listener with a real SQLite file per test.

mod at_rest;
mod builtins;
mod cluster;
mod compat;
mod contract;
mod coverage;
mod crash;
mod discord;
mod edge;
mod execute;
mod fairshare;
mod languages;
mod live;
mod logs;
mod management;
mod memory;
mod mentions;
mod openapi;
mod operations;
mod outgoing;
mod plugins;
mod roles;
mod studio;
mod unavailable;
mod visibility;
mod web;
