export { calendarRoutes } from './routes.js';
export { CalendarYearModel, type CalendarYearDoc } from './model.js';
export { scheduleProblems } from './rules.js';
export { refreshSchedules, startCalendarRefresh, loadSchedule, recomputeDeadlines, assertValidSchedule, listYears, getYear, type RecomputeReport, type CalendarContext } from './service.js';
