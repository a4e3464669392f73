/**
 * The live plot of a fine-tuning run on a small canvas: the training loss per step (blue, scaled
 * to its own maximum) and the validation mean Dice (orange dots, on 0..1), over the run's steps.
 */
export interface PlotData {
  totalSteps: number;
  losses: { step: number; loss: number }[];
  validations: { step: number; dice: number }[];
}

const LOSS = '#1f77b4';
const DICE = '#ff7f0e';
const MARGIN = 6;

export function drawTrainingPlot(canvas: HTMLCanvasElement, data: PlotData): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = '#ccc';
  context.strokeRect(0.5, 0.5, width - 1, height - 1);
  const x = (step: number) => MARGIN + ((width - 2 * MARGIN) * step) / Math.max(1, data.totalSteps);
  const y = (value: number) => height - MARGIN - (height - 2 * MARGIN) * value;
  const maxLoss = Math.max(1e-9, ...data.losses.map((l) => l.loss));
  context.strokeStyle = LOSS;
  context.beginPath();
  data.losses.forEach(({ step, loss }, i) => {
    if (i === 0) context.moveTo(x(step), y(loss / maxLoss));
    else context.lineTo(x(step), y(loss / maxLoss));
  });
  context.stroke();
  context.fillStyle = DICE;
  for (const { step, dice } of data.validations) {
    context.beginPath();
    context.arc(x(step), y(dice), 3, 0, 2 * Math.PI);
    context.fill();
  }
  context.font = '11px sans-serif';
  context.fillStyle = LOSS;
  context.fillText(`loss (max ${maxLoss.toFixed(3)})`, MARGIN + 2, 14);
  context.fillStyle = DICE;
  context.fillText('validation Dice (0..1)', MARGIN + 2, 28);
}
