export const id=2159;export const ids=[2159];export const modules={42159:module=>{module.exports=eval("require")("kerberos")}};
