// Public exports of the training folder (the book's framework classes of sections 3.2 and 3.4).
export { Module, type ModuleOptions } from "./module";
export { DataModule } from "./data-module";
export { TensorLoader, type Batch, type DataLoader } from "./tensor-loader";
export { Trainer, TrainingRun, type TrainerOptions } from "./trainer";
export { SGD, type Optimizer, type Gradients } from "./sgd";
export { ProgressBoard, type ProgressBoardOptions } from "./progress-board";
