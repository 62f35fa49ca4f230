/** Ensembles: the scheduler that runs a DAG of composing-model steps, and its load-order helpers. */
export { checkComposingModels, isEnsembleSource } from './ensemble-dependencies.js';
export { EnsembleGraph, type EnsembleStepPlan, type StepInput, type StepOutput } from './ensemble-graph.js';
export { EnsembleRun } from './ensemble-run.js';
export { EnsembleScheduler, ensembleSchedulerFactory } from './ensemble-scheduler.js';
