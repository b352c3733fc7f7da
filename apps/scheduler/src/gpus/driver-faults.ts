// Why the driver's own readings say a GPU should take no new jobs: a broken GPU, uncorrectable
// memory errors, memory waiting to be retired or remapped. Fields a GPU does not have (`[N/A]`,
// `[Not Supported]`) say nothing. Pure: the monitor drains with what this returns.
import type { GpuReading, RemappedRows } from './nvidia-smi-output.js';

export function driverFaultsOf(reading: GpuReading, remapped: RemappedRows | undefined, options: { isWholeGpu: boolean }): string[] {
  const faults: string[] = [];
  if (reading.fault) faults.push(`the driver reports ${reading.fault}`);
  // Volatile counters start at 0 when the driver loads (a reboot, a GPU reset).
  if (reading.eccUncorrectedVolatile !== null && reading.eccUncorrectedVolatile > 0) {
    faults.push(`uncorrectable ECC errors since the driver loaded: ${reading.eccUncorrectedVolatile}`);
  }
  // Pending pages can still be allocated, and fail again (nvidia-smi --help-query-gpu).
  if (reading.isRetiredPagesPending === true) faults.push('retired pages pending: reboot to retire them');
  if (remapped?.isPending === true) faults.push('row remapping pending: reset the GPU (nvidia-smi -r) or reboot to apply it');
  if (remapped?.hasFailed === true) faults.push('row remapping failed: the GPU needs service');
  // In MIG mode CUDA runs only on MIG devices, and gpuq found none on it when it started.
  if (options.isWholeGpu && reading.isMigEnabled) faults.push('MIG mode is on: create its MIG devices, then restart the scheduler, or turn MIG off');
  return faults;
}
