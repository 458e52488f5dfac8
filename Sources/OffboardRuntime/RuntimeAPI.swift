// What the front ends (the command line, the server and its console) may name of the layers under the runtime. They
// depend on this target alone (Package.swift), so the compiler holds them to this list: the engine's values (states,
// requests, reports, plans, evidence, journal entries), what configures a process (clocks, secrets, handlers, the
// worker's settings and observers), and the server's records. The machinery is not here: the run core, the starter,
// the input binder, the planner and the pinned playbooks are reached through the runtime's commands and queries
// (`RunReading`, `RunStarting`, `ProcessAssembly`), so each rule they carry has one way in.

// Runs and what people ask of them.
@_exported import enum Engine.RunState
@_exported import enum Engine.StepState
@_exported import struct Engine.RunSummary
@_exported import struct Engine.RunQuery
@_exported import struct Engine.StoredRun
@_exported import struct Engine.RunRequest
@_exported import enum Engine.RequestStatus
@_exported import struct Engine.RequestRefused
@_exported import struct Engine.InstanceKey
@_exported import struct Engine.JournalEntry
@_exported import enum Engine.RunEvent
@_exported import enum Engine.StepEvent
@_exported import struct Engine.BoundInputs

// What the runtime's queries answer with, and how it is shown.
@_exported import struct Engine.RunReport
@_exported import struct Engine.TaskReport
@_exported import struct Engine.Plan
@_exported import enum Engine.PlanTextRenderer
@_exported import struct Engine.EvidencePack
@_exported import enum Engine.EvidenceWording
@_exported import enum Engine.SafeText
@_exported import enum Engine.OffboardVersion
@_exported import struct Engine.PersonalDataPurge

// What configures a process.
@_exported import protocol Engine.EngineClock
@_exported import struct Engine.SystemClock
@_exported import struct Engine.ShiftedClock
@_exported import protocol Engine.SecretResolver
@_exported import struct Engine.EnvironmentSecretResolver
@_exported import struct Engine.DirectorySecretResolver
@_exported import struct Engine.ChainedSecretResolver
@_exported import struct Engine.HandlerRegistry
@_exported import struct Engine.Worker
@_exported import struct Engine.WorkerConfiguration
@_exported import protocol Engine.RunObserver
@_exported import struct Engine.ObservedRun
@_exported import protocol Engine.RunStore

// The server's records: API tokens, HR events, console sessions.
@_exported import ServiceStores
