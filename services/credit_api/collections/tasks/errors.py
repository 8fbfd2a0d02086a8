from shared.domain.errors import Conflict, NotFound


class TaskNotFound(NotFound):
    code = "task-not-found"
    title = "Task not found"


class TaskCompleted(Conflict):
    code = "task-completed"
    title = "The task is completed already"
