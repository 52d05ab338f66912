// Public exports of the training folder (the book's framework classes of sections 3.2 and 3.4).
export { Module, type ModuleOptions } from "./module";
export { DataModule } from "./data-module";
export { TensorLoader, type Batch, type DataLoader } from "./tensor-loader";
export { Trainer, TrainingRun, type TrainerOptions } from "./trainer";
export { SGD } from "./sgd";
export { type Optimizer, type Gradients } from "./optimizer";
export { Adam, type AdamOptions } from "./adam";
export { Classifier } from "./classifier";
export { ProgressBoard, type ProgressBoardOptions } from "./progress-board";
